using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GptOssWorkbench.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class RunFlags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RunFlags",
                columns: table => new
                {
                    RunId = table.Column<long>(type: "bigint", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    FlaggedByUserId = table.Column<string>(type: "character varying(64)", nullable: false),
                    FlaggedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunFlags", x => x.RunId);
                    table.ForeignKey(
                        name: "FK_RunFlags_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_RunFlags_Users_FlaggedByUserId",
                        column: x => x.FlaggedByUserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RunFlags_FlaggedByUserId",
                table: "RunFlags",
                column: "FlaggedByUserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RunFlags");
        }
    }
}
