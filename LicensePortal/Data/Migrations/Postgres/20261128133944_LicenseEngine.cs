using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LicensePortal.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LicenseEngine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "HostInfoUploadedAt",
                table: "Instances",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HostKeyFingerprint",
                table: "Instances",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "StatusChangedAt",
                table: "Instances",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.CreateTable(
                name: "Licenses",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    InstanceId = table.Column<int>(type: "integer", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    IssuedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    VendorKeyId = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    HostKeyFingerprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ContentKey = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    FileText = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: false),
                    IssuedByUserName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Licenses", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Licenses_Instances_InstanceId",
                        column: x => x.InstanceId,
                        principalTable: "Instances",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "LicenseDownloads",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    LicenseRecordId = table.Column<long>(type: "bigint", nullable: false),
                    InstanceId = table.Column<int>(type: "integer", nullable: false),
                    UserName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RemoteAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LicenseDownloads", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LicenseDownloads_Licenses_LicenseRecordId",
                        column: x => x.LicenseRecordId,
                        principalTable: "Licenses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_StatusChangedAt",
                table: "Instances",
                columns: new[] { "Status", "StatusChangedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_LicenseDownloads_InstanceId_At",
                table: "LicenseDownloads",
                columns: new[] { "InstanceId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_LicenseDownloads_LicenseRecordId",
                table: "LicenseDownloads",
                column: "LicenseRecordId");

            migrationBuilder.CreateIndex(
                name: "IX_Licenses_InstanceId_Revision",
                table: "Licenses",
                columns: new[] { "InstanceId", "Revision" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LicenseDownloads");

            migrationBuilder.DropTable(
                name: "Licenses");

            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_StatusChangedAt",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "HostInfoUploadedAt",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "HostKeyFingerprint",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "StatusChangedAt",
                table: "Instances");
        }
    }
}
